-- Follow-up suggestions under an answer, and the user's like or dislike
-- of a message.

CREATE TABLE message_suggestions (
	id		serial NOT NULL,
	message_id	text NOT NULL,
	text		text NOT NULL,
	sequence	integer NOT NULL DEFAULT 0,
	CONSTRAINT message_suggestions_pkey PRIMARY KEY (id),
	CONSTRAINT message_suggestions_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
COMMENT ON TABLE message_suggestions IS
    'Follow-up questions proposed under an assistant message, by sequence.';

CREATE INDEX ix_message_suggestions_message_id ON message_suggestions (
    message_id, sequence);
COMMENT ON INDEX ix_message_suggestions_message_id IS
    'Serves the suggestions of a message by sequence '
    '(GET /v1/conversations/{id}).';

ALTER TABLE messages ADD COLUMN feedback text;
ALTER TABLE messages
    ADD CONSTRAINT ck_messages_feedback
    CHECK (feedback IN ('like', 'dislike'));
