-- Baseline: the people who talk to the guide, their conversations and
-- the messages in them. users.id is the subject (sub) of the token the
-- caller presented, not a sequence.

CREATE TABLE users (
	id		text NOT NULL,
	email		text,
	full_name	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT users_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE users IS
    'One row per token subject that has called the agent; id is the JWT sub.';

CREATE TABLE conversations (
	id		text NOT NULL,
	user_id		text NOT NULL,
	title		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT conversations_pkey PRIMARY KEY (id),
	CONSTRAINT conversations_user_id_fkey FOREIGN KEY (user_id)
	    REFERENCES users (id)
);
COMMENT ON TABLE conversations IS
    'A chat thread owned by one user.';

CREATE INDEX ix_conversations_user_id ON conversations (user_id);
COMMENT ON INDEX ix_conversations_user_id IS
    'Serves the conversation list of a user (GET /v1/conversations).';

CREATE TABLE messages (
	id		text NOT NULL,
	conversation_id	text NOT NULL,
	role		text NOT NULL,
	text		text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT messages_pkey PRIMARY KEY (id),
	CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id)
	    REFERENCES conversations (id)
);
COMMENT ON TABLE messages IS
    'One turn of a conversation: user, assistant, tool or system text.';

CREATE INDEX ix_messages_conversation_id ON messages (conversation_id);
COMMENT ON INDEX ix_messages_conversation_id IS
    'Serves the messages of a conversation (GET /v1/conversations/{id}).';
