-- Conversations become either a museum visit (tied to a ticket) or a
-- general chat; every existing conversation was a general one.

ALTER TABLE conversations
    ADD COLUMN mode text NOT NULL DEFAULT 'general';
ALTER TABLE conversations
    ADD CONSTRAINT ck_conversations_mode
    CHECK (mode IN ('museum', 'general'));
