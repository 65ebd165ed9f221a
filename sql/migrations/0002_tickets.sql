-- Museum tickets: the first museum message for a ticket registers it to
-- the caller; the ticket id is also the id of its conversation.

CREATE TABLE tickets (
	id		text NOT NULL,
	user_id		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT tickets_pkey PRIMARY KEY (id),
	CONSTRAINT tickets_user_id_fkey FOREIGN KEY (user_id)
	    REFERENCES users (id)
);
COMMENT ON TABLE tickets IS
    'A museum ticket and the user it was registered to by its first message.';

CREATE INDEX ix_tickets_user_id ON tickets (user_id);
COMMENT ON INDEX ix_tickets_user_id IS
    'Serves the tickets of a user and the foreign key check on users.';
