-- Tool calling: messages record the tool they belong to, the call id
-- the model gave it, and the run that produced them.

ALTER TABLE messages ADD COLUMN tool text;
ALTER TABLE messages ADD COLUMN tool_call_id text;
ALTER TABLE messages ADD COLUMN run_id text;
ALTER TABLE messages
    ADD CONSTRAINT messages_run_id_fkey FOREIGN KEY (run_id)
    REFERENCES runs (id);

CREATE INDEX ix_messages_run_id ON messages (run_id);
COMMENT ON INDEX ix_messages_run_id IS
    'Serves the messages a run produced and the foreign key check when a '
    'run is deleted.';
