-- Model runs: one row per answer the model was asked for, with its
-- outcome, token counts and cost.

CREATE TABLE runs (
	id			text NOT NULL,
	conversation_id		text NOT NULL,
	started_at		timestamptz NOT NULL DEFAULT now(),
	finished_at		timestamptz,
	model			text,
	prompt_tokens		integer NOT NULL DEFAULT 0,
	completion_tokens	integer NOT NULL DEFAULT 0,
	cost_usd		numeric(12, 6) NOT NULL DEFAULT 0,
	status			text NOT NULL DEFAULT 'running',
	error			text,
	CONSTRAINT runs_pkey PRIMARY KEY (id),
	CONSTRAINT runs_conversation_id_fkey FOREIGN KEY (conversation_id)
	    REFERENCES conversations (id)
);
COMMENT ON TABLE runs IS
    'One model run answering a message: status running, success, error '
    'or cancelled, with model, token counts and cost.';

CREATE INDEX ix_runs_conversation_started ON runs (conversation_id,
    started_at);
COMMENT ON INDEX ix_runs_conversation_started IS
    'Serves the runs of a conversation in start order '
    '(GET /v1/conversations/{id}/runs).';
