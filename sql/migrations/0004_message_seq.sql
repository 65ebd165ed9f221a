-- Messages get a per-conversation sequence number (1, 2, 3, ...) so
-- that their order no longer depends on clock resolution. Existing rows
-- are numbered by creation time.

ALTER TABLE messages ADD COLUMN seq integer;

UPDATE messages AS m
SET seq = o.n
FROM (
	SELECT id, row_number() OVER (PARTITION BY conversation_id
	    ORDER BY created_at, id) AS n
	FROM messages
) AS o
WHERE m.id = o.id;

ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;
ALTER TABLE messages
    ADD CONSTRAINT uq_messages_conversation_seq
    UNIQUE (conversation_id, seq);
COMMENT ON INDEX uq_messages_conversation_seq IS
    'Serves the messages of a conversation in seq order and the next seq '
    '(max(seq) WHERE conversation_id = $1); forbids duplicate seq.';

-- The unique index leads with conversation_id and serves its lookups.
DROP INDEX ix_messages_conversation_id;
