-- The C services delete a conversation with one statement and let the
-- database remove what hangs from it: messages and runs go with their
-- conversation, images, sources and suggestions with their message,
-- and a message keeps its row when its run goes. The conversation
-- list pages by (updated_at, id), newest first, per user.

ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey;
ALTER TABLE messages
    ADD CONSTRAINT messages_conversation_id_fkey FOREIGN KEY (conversation_id)
    REFERENCES conversations (id) ON DELETE CASCADE;

ALTER TABLE messages DROP CONSTRAINT messages_run_id_fkey;
ALTER TABLE messages
    ADD CONSTRAINT messages_run_id_fkey FOREIGN KEY (run_id)
    REFERENCES runs (id) ON DELETE SET NULL;

ALTER TABLE runs DROP CONSTRAINT runs_conversation_id_fkey;
ALTER TABLE runs
    ADD CONSTRAINT runs_conversation_id_fkey FOREIGN KEY (conversation_id)
    REFERENCES conversations (id) ON DELETE CASCADE;

ALTER TABLE message_images DROP CONSTRAINT message_images_message_id_fkey;
ALTER TABLE message_images
    ADD CONSTRAINT message_images_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES messages (id) ON DELETE CASCADE;

ALTER TABLE message_sources DROP CONSTRAINT message_sources_message_id_fkey;
ALTER TABLE message_sources
    ADD CONSTRAINT message_sources_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES messages (id) ON DELETE CASCADE;

ALTER TABLE message_suggestions
    DROP CONSTRAINT message_suggestions_message_id_fkey;
ALTER TABLE message_suggestions
    ADD CONSTRAINT message_suggestions_message_id_fkey
    FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE;

CREATE INDEX ix_conversations_user_updated ON conversations (user_id,
    updated_at DESC, id DESC);
COMMENT ON INDEX ix_conversations_user_updated IS
    'Serves GET /v1/conversations: WHERE user_id = $1 AND (updated_at, id) '
    '< ($2, $3) ORDER BY updated_at DESC, id DESC LIMIT $4.';

-- The new index leads with user_id and serves its lookups too.
DROP INDEX ix_conversations_user_id;
