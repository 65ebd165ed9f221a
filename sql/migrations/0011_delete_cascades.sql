-- 0011_delete_cascades: the first revision of the C services.
--
-- Additive only, so that the Python stack still runs on the database
-- after it (docs/schema.md, "Rolling back"): foreign keys that already
-- exist gain ON DELETE CASCADE, new indexes, and comments. No column,
-- type, nullability or constraint a Python-written row could break.
--
-- Deleting a conversation (DELETE /v1/conversations/{id}) or a whole
-- user (DELETE /v1/me) is then one statement: messages and runs go with
-- their conversation, images, sources and suggestions with their
-- message, and conversations, tickets and runs with their user. The
-- Python stack deleted children itself first, which still works.
-- messages.run_id stays a soft link with no foreign key.
--
-- Like every C revision, it can run again on a database that has it: an
-- operator who went back to the Python stack (which stamps 0010) and
-- then forward again simply runs `dataland migrate up`.

ALTER TABLE conversations DROP CONSTRAINT conversations_user_id_fkey,
    ADD CONSTRAINT conversations_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE tickets DROP CONSTRAINT tickets_user_id_fkey,
    ADD CONSTRAINT tickets_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE runs DROP CONSTRAINT runs_conversation_id_fkey,
    ADD CONSTRAINT runs_conversation_id_fkey FOREIGN KEY (conversation_id)
    REFERENCES conversations (id) ON DELETE CASCADE,
    DROP CONSTRAINT runs_user_id_fkey,
    ADD CONSTRAINT runs_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey,
    ADD CONSTRAINT messages_conversation_id_fkey FOREIGN KEY
    (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;
ALTER TABLE message_images DROP CONSTRAINT message_images_message_id_fkey,
    ADD CONSTRAINT message_images_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES messages (id) ON DELETE CASCADE;
ALTER TABLE message_sources DROP CONSTRAINT message_sources_message_id_fkey,
    ADD CONSTRAINT message_sources_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES messages (id) ON DELETE CASCADE;
ALTER TABLE message_suggestions
    DROP CONSTRAINT message_suggestions_message_id_fkey,
    ADD CONSTRAINT message_suggestions_message_id_fkey FOREIGN KEY
    (message_id) REFERENCES messages (id) ON DELETE CASCADE;

-- Rows the Python stack wrote may have no updated_at (or created_at):
-- the list orders them by the same expression the index holds, oldest
-- last, and a cursor carries that value.
CREATE INDEX IF NOT EXISTS ix_conversations_user_recent ON conversations (
    user_id,
    (COALESCE(updated_at, created_at, '-infinity'::timestamptz)) DESC,
    id DESC);

-- Runs a crash left 'running' are few; the sweep at service start finds
-- them without reading the table.
CREATE INDEX IF NOT EXISTS ix_runs_running ON runs (started_at)
    WHERE status = 'running';

COMMENT ON TABLE users IS
    'One row per token subject that has called the agent; id is the JWT '
    'sub, the profile is copied from the token''s claims.';
COMMENT ON TABLE conversations IS
    'A chat thread owned by one user: mode museum (id = ticket id) or '
    'general (id a UUID4). messages_json is the Python stack''s blob; the '
    'C services neither read nor write it.';
COMMENT ON TABLE tickets IS
    'A museum ticket and the user its first message registered it to.';
COMMENT ON TABLE runs IS
    'One model run answering a message: status running until it ends as '
    'success, error or cancelled; model, token counts, cost, times.';
COMMENT ON TABLE messages IS
    'One turn of a conversation, numbered by seq (1, 2, 3, ... per '
    'conversation); run_id is a soft link to runs.id.';
COMMENT ON TABLE message_images IS
    'Artwork images shown with an assistant message, in id order.';
COMMENT ON TABLE message_sources IS
    'Documents an assistant message cites, in id order.';
COMMENT ON TABLE message_suggestions IS
    'Follow-up questions proposed under an assistant message, by sequence.';

COMMENT ON INDEX uq_users_email_lower IS
    'Keeps one users row per email, case-insensitively.';
COMMENT ON INDEX ix_conversations_user_id IS
    'The Python stack''s index for a user''s conversations; kept for it.';
COMMENT ON INDEX ix_conversations_user_recent IS
    'Serves GET /v1/conversations: a user''s conversations, most recently '
    'updated first, paged by (that time, id); also the user_id foreign key.';
COMMENT ON INDEX ix_tickets_user_id IS
    'Serves the tickets of a user (DELETE /v1/me) and its foreign key.';
COMMENT ON INDEX ix_runs_conversation_id IS
    'Serves GET /v1/conversations/{id}/runs and the foreign key.';
COMMENT ON INDEX ix_runs_user_id IS
    'Serves the runs of a user (DELETE /v1/me) and its foreign key.';
COMMENT ON INDEX ix_runs_running IS
    'Serves the start-up sweep of runs left running by a crash.';
COMMENT ON INDEX uq_messages_conversation_seq IS
    'Serves a conversation''s messages in seq order and the next seq; '
    'forbids a duplicate seq.';
COMMENT ON INDEX ix_messages_conversation_id IS
    'The Python stack''s index on messages.conversation_id; kept for it.';
COMMENT ON INDEX ix_messages_role IS
    'The Python stack''s index on messages.role; kept for it.';
COMMENT ON INDEX ix_message_images_message_id IS
    'Serves the images of the messages of a conversation and the foreign key.';
COMMENT ON INDEX ix_message_sources_message_id IS
    'Serves the sources of the messages of a conversation and the foreign key.';
COMMENT ON INDEX ix_message_suggestions_message_id IS
    'Serves the suggestions of the messages of a conversation and the '
    'foreign key.';
