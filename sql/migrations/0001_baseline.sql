-- 0001_baseline: the Python stack's schema at 0010_user_profile_fields,
-- built at once on an empty database.
--
-- The Python stack never built its schema revision by revision: a new
-- database got SQLAlchemy's create_all of the current models, then
-- `alembic stamp head`; its own 0001_baseline is an empty marker. This
-- file plays create_all's part. It is a snapshot of what create_all of
-- the models at 0010 (and auth_server.py's startup DDL, which the auth
-- service runs itself, see fcgi/auth/repo_users.c) leaves behind: the
-- same tables, columns in the same order, types, nullability,
-- defaults, constraints, indexes and their names, so that a database
-- built here and one the Python stack built dump identically.
--
-- The runner applies 0001..0010 as one transaction, and only to a
-- database without agent tables (docs/schema.md). Comments on these
-- tables and indexes come in 0011, so that the snapshot itself matches
-- the Python stack's database exactly.

CREATE TABLE users (
	id			text NOT NULL,
	email			text,
	full_name		text,
	location		text,
	profile_photo_url	text,
	joined_date		timestamp with time zone,
	access_permissions	text,
	stripe_customer_id	text,
	created_at		timestamp with time zone,
	CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_users_email_lower ON users USING btree (lower(email));

CREATE TABLE conversations (
	id			text NOT NULL,
	user_id			text,
	title			text,
	mode			text,
	messages_json		text,
	created_at		timestamp with time zone,
	updated_at		timestamp with time zone,
	CONSTRAINT conversations_pkey PRIMARY KEY (id),
	CONSTRAINT conversations_user_id_fkey FOREIGN KEY (user_id)
	    REFERENCES users (id)
);
CREATE INDEX ix_conversations_user_id ON conversations USING btree (user_id);

CREATE TABLE tickets (
	id			text NOT NULL,
	user_id			text,
	first_seen		timestamp with time zone,
	CONSTRAINT tickets_pkey PRIMARY KEY (id),
	CONSTRAINT tickets_user_id_fkey FOREIGN KEY (user_id)
	    REFERENCES users (id)
);
CREATE INDEX ix_tickets_user_id ON tickets USING btree (user_id);

CREATE TABLE runs (
	id			text NOT NULL,
	conversation_id		text,
	user_id			text,
	started_at		timestamp with time zone,
	finished_at		timestamp with time zone,
	model			text,
	prompt_tokens		integer,
	completion_tokens	integer,
	cost_usd		double precision,
	status			text,
	error			text,
	CONSTRAINT runs_pkey PRIMARY KEY (id),
	CONSTRAINT runs_conversation_id_fkey FOREIGN KEY (conversation_id)
	    REFERENCES conversations (id),
	CONSTRAINT runs_user_id_fkey FOREIGN KEY (user_id)
	    REFERENCES users (id)
);
CREATE INDEX ix_runs_conversation_id ON runs USING btree (conversation_id);
CREATE INDEX ix_runs_user_id ON runs USING btree (user_id);

-- run_id is a soft link to runs.id: rows older than the runs table
-- carry ids no run has, so there is no foreign key.
CREATE TABLE messages (
	id			text NOT NULL,
	conversation_id		text,
	seq			integer NOT NULL,
	run_id			text,
	role			text,
	tool			text,
	tool_call_id		text,
	text			text,
	feedback		text,
	created_at		timestamp with time zone,
	CONSTRAINT messages_pkey PRIMARY KEY (id),
	CONSTRAINT uq_messages_conversation_seq UNIQUE (conversation_id, seq),
	CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id)
	    REFERENCES conversations (id)
);
CREATE INDEX ix_messages_conversation_id ON messages USING btree
    (conversation_id);
CREATE INDEX ix_messages_role ON messages USING btree (role);

CREATE TABLE message_images (
	id			bigserial NOT NULL,
	message_id		text,
	title			text,
	artist			text,
	image_path		text,
	score			double precision,
	type			text,
	CONSTRAINT message_images_pkey PRIMARY KEY (id),
	CONSTRAINT message_images_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
CREATE INDEX ix_message_images_message_id ON message_images USING btree
    (message_id);

CREATE TABLE message_sources (
	id			bigserial NOT NULL,
	message_id		text,
	title			text,
	uri			text,
	confidence		double precision,
	type			text,
	CONSTRAINT message_sources_pkey PRIMARY KEY (id),
	CONSTRAINT message_sources_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
CREATE INDEX ix_message_sources_message_id ON message_sources USING btree
    (message_id);

CREATE TABLE message_suggestions (
	id			bigserial NOT NULL,
	message_id		text,
	text			text,
	sequence		integer,
	CONSTRAINT message_suggestions_pkey PRIMARY KEY (id),
	CONSTRAINT message_suggestions_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
CREATE INDEX ix_message_suggestions_message_id ON message_suggestions
    USING btree (message_id);
