-- The museum catalogue the guide answers from: artworks and documents,
-- each with a generated full-text vector (English configuration, title
-- and artist weighted above the body).

CREATE TABLE artworks (
	id		text NOT NULL,
	title		text NOT NULL,
	artist		text,
	year		integer,
	description	text,
	image_path	text,
	search		tsvector GENERATED ALWAYS AS (
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(title, '')), 'A') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(artist, '')), 'A') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(description, '')), 'B')) STORED,
	CONSTRAINT artworks_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE artworks IS
    'Catalogue of artworks: the images search_artwork_images returns.';

CREATE INDEX ix_artworks_search ON artworks USING gin (search);
COMMENT ON INDEX ix_artworks_search IS
    'Serves search_artwork_images: WHERE search @@ websearch_to_tsquery('
    '''english'', $1) ORDER BY ts_rank.';

CREATE TABLE documents (
	id		text NOT NULL,
	title		text NOT NULL,
	uri		text,
	body		text NOT NULL DEFAULT '',
	search		tsvector GENERATED ALWAYS AS (
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(title, '')), 'A') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(body, '')), 'B')) STORED,
	CONSTRAINT documents_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE documents IS
    'Catalogue of documents about the museum, its rooms and its artists: '
    'the sources of an answer.';

CREATE INDEX ix_documents_search ON documents USING gin (search);
COMMENT ON INDEX ix_documents_search IS
    'Serves the document search tool: WHERE search @@ '
    'websearch_to_tsquery(''english'', $1) ORDER BY ts_rank.';
