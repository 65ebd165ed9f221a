-- 0012_catalogue: the museum catalogue the builtin guide answers from
-- (artworks and documents), loaded by `dataland catalog load`. New
-- tables only; the Python stack never had them and never reads them.
--
-- Each table carries a generated full-text vector in the english
-- configuration: what names a thing (title, artist) weighs A, what
-- places it (medium, room, kind) C, the description or body B.

CREATE TABLE IF NOT EXISTS artworks (
	id		text NOT NULL,
	title		text NOT NULL,
	artist		text,
	year		text,
	medium		text,
	room		text,
	image_path	text,
	description	text,
	search		tsvector GENERATED ALWAYS AS (
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(title, '') || ' ' || coalesce(artist, '')), 'A') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(description, '')), 'B') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(medium, '') || ' ' || coalesce(room, '') || ' ' ||
	        coalesce(year, '')), 'C')) STORED,
	CONSTRAINT artworks_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE artworks IS
    'Catalogue of artworks: what search_artwork_images returns. year is '
    'display text ("c. 1665", "1503-1519").';

CREATE INDEX IF NOT EXISTS ix_artworks_search ON artworks USING gin (search);
COMMENT ON INDEX ix_artworks_search IS
    'Serves search_artwork_images: WHERE search @@ query ORDER BY '
    'ts_rank_cd.';

CREATE TABLE IF NOT EXISTS documents (
	id		text NOT NULL,
	title		text NOT NULL,
	uri		text NOT NULL,
	kind		text,
	body		text NOT NULL,
	search		tsvector GENERATED ALWAYS AS (
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(title, '')), 'A') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(body, '')), 'B') ||
	    setweight(to_tsvector('english'::regconfig,
	        coalesce(kind, '')), 'C')) STORED,
	CONSTRAINT documents_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE documents IS
    'Catalogue of documents (artists, movements, rooms, visitor '
    'information): the sources of an answer. kind says which.';

CREATE INDEX IF NOT EXISTS ix_documents_search ON documents USING gin (search);
COMMENT ON INDEX ix_documents_search IS
    'Serves search_documents: WHERE search @@ query ORDER BY ts_rank_cd.';
