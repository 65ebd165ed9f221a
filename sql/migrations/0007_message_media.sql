-- What an assistant message shows beside its text: artwork images and
-- the documents it drew on, each in the order the model gave them.

CREATE TABLE message_images (
	id		serial NOT NULL,
	message_id	text NOT NULL,
	title		text,
	artist		text,
	image_path	text,
	score		double precision,
	type		text NOT NULL DEFAULT 'artwork',
	position	integer NOT NULL DEFAULT 0,
	CONSTRAINT message_images_pkey PRIMARY KEY (id),
	CONSTRAINT message_images_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
COMMENT ON TABLE message_images IS
    'Images attached to an assistant message, in position order.';

CREATE INDEX ix_message_images_message_id ON message_images (message_id,
    position);
COMMENT ON INDEX ix_message_images_message_id IS
    'Serves the images of a message in stored order '
    '(GET /v1/conversations/{id}).';

CREATE TABLE message_sources (
	id		serial NOT NULL,
	message_id	text NOT NULL,
	title		text,
	uri		text,
	confidence	double precision,
	type		text NOT NULL DEFAULT 'document',
	position	integer NOT NULL DEFAULT 0,
	CONSTRAINT message_sources_pkey PRIMARY KEY (id),
	CONSTRAINT message_sources_message_id_fkey FOREIGN KEY (message_id)
	    REFERENCES messages (id)
);
COMMENT ON TABLE message_sources IS
    'Sources cited by an assistant message, in position order.';

CREATE INDEX ix_message_sources_message_id ON message_sources (message_id,
    position);
COMMENT ON INDEX ix_message_sources_message_id IS
    'Serves the sources of a message in stored order '
    '(GET /v1/conversations/{id}).';
