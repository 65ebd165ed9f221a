-- 0016_children_conversation_id: message_images, message_sources
-- and message_suggestions learn the conversation of their message, so
-- that a conversation's read (GET /v1/conversations/{id}) finds each
-- table's rows with one index range instead of one index descent per
-- message after a re-read of the messages: about a quarter less
-- PostgreSQL per read (docs/performance.md).
--
-- Additive (docs/schema.md, "Rolling back"): one nullable column per
-- table, indexes, functions and triggers. Nobody writes the column: a
-- BEFORE trigger sets it from the row's message on every insert and
-- every change of message_id or of the column itself, so the Python
-- stack's inserts, which do not name it, fill it too, and it can never
-- disagree with messages.conversation_id (whose own change, which
-- neither service makes, is carried down by a trigger on messages). A
-- row without a message has none, and no conversation reads it.
--
-- The existing rows are filled in this revision's transaction, one
-- UPDATE per table: on a large database that is a rewrite of every
-- child row while the three tables are locked (docs/schema.md). When
-- it runs again it finds nothing to fill.

ALTER TABLE message_images ADD COLUMN IF NOT EXISTS conversation_id text;
ALTER TABLE message_sources ADD COLUMN IF NOT EXISTS conversation_id text;
ALTER TABLE message_suggestions
    ADD COLUMN IF NOT EXISTS conversation_id text;

-- Before the triggers exist, so that each row is written once.
UPDATE message_images x SET conversation_id = m.conversation_id
FROM messages m
WHERE m.id = x.message_id
    AND x.conversation_id IS DISTINCT FROM m.conversation_id;
UPDATE message_sources x SET conversation_id = m.conversation_id
FROM messages m
WHERE m.id = x.message_id
    AND x.conversation_id IS DISTINCT FROM m.conversation_id;
UPDATE message_suggestions x SET conversation_id = m.conversation_id
FROM messages m
WHERE m.id = x.message_id
    AND x.conversation_id IS DISTINCT FROM m.conversation_id;

CREATE OR REPLACE FUNCTION message_child_conversation() RETURNS trigger
    LANGUAGE plpgsql
AS $f$
BEGIN
	-- no message (a NULL or unknown message_id) leaves NULL
	SELECT m.conversation_id INTO NEW.conversation_id
	FROM messages m WHERE m.id = NEW.message_id;
	RETURN NEW;
END
$f$;
COMMENT ON FUNCTION message_child_conversation() IS
    'Trigger: a message child''s conversation_id, from its message.';

CREATE OR REPLACE FUNCTION message_children_move() RETURNS trigger
    LANGUAGE plpgsql
AS $f$
BEGIN
	UPDATE message_images SET conversation_id = NEW.conversation_id
	WHERE message_id = NEW.id;
	UPDATE message_sources SET conversation_id = NEW.conversation_id
	WHERE message_id = NEW.id;
	UPDATE message_suggestions SET conversation_id = NEW.conversation_id
	WHERE message_id = NEW.id;
	RETURN NULL;
END
$f$;
COMMENT ON FUNCTION message_children_move() IS
    'Trigger: a message''s new conversation_id, down to its children.';

DROP TRIGGER IF EXISTS message_images_conversation ON message_images;
CREATE TRIGGER message_images_conversation
    BEFORE INSERT OR UPDATE OF message_id, conversation_id
    ON message_images
    FOR EACH ROW EXECUTE FUNCTION message_child_conversation();
DROP TRIGGER IF EXISTS message_sources_conversation ON message_sources;
CREATE TRIGGER message_sources_conversation
    BEFORE INSERT OR UPDATE OF message_id, conversation_id
    ON message_sources
    FOR EACH ROW EXECUTE FUNCTION message_child_conversation();
DROP TRIGGER IF EXISTS message_suggestions_conversation
    ON message_suggestions;
CREATE TRIGGER message_suggestions_conversation
    BEFORE INSERT OR UPDATE OF message_id, conversation_id
    ON message_suggestions
    FOR EACH ROW EXECUTE FUNCTION message_child_conversation();
DROP TRIGGER IF EXISTS messages_children_move ON messages;
CREATE TRIGGER messages_children_move
    AFTER UPDATE OF conversation_id ON messages
    FOR EACH ROW
    WHEN (OLD.conversation_id IS DISTINCT FROM NEW.conversation_id)
    EXECUTE FUNCTION message_children_move();

-- In the read's order (repo_conversations.c), so no sort is needed.
CREATE INDEX IF NOT EXISTS ix_message_images_conversation
    ON message_images (conversation_id, message_id, id);
CREATE INDEX IF NOT EXISTS ix_message_sources_conversation
    ON message_sources (conversation_id, message_id, id);
CREATE INDEX IF NOT EXISTS ix_message_suggestions_conversation
    ON message_suggestions (conversation_id, message_id, sequence, id);

COMMENT ON INDEX ix_message_images_conversation IS
    'A conversation''s images in one range (GET /v1/conversations/{id}).';
COMMENT ON INDEX ix_message_sources_conversation IS
    'A conversation''s sources in one range (GET /v1/conversations/{id}).';
COMMENT ON INDEX ix_message_suggestions_conversation IS
    'A conversation''s suggestions in one range '
    '(GET /v1/conversations/{id}).';

COMMENT ON COLUMN message_images.conversation_id IS
    'messages.conversation_id of message_id, kept by trigger.';
COMMENT ON COLUMN message_sources.conversation_id IS
    'messages.conversation_id of message_id, kept by trigger.';
COMMENT ON COLUMN message_suggestions.conversation_id IS
    'messages.conversation_id of message_id, kept by trigger.';

ANALYZE message_images;
ANALYZE message_sources;
ANALYZE message_suggestions;
