-- 0013_catalogue_search: what the builtin guide's catalogue search
-- needs beyond 0012 (docs/catalog.md, "Search"): accent folding, so
-- that "Durer" finds "Dürer", and a vocabulary with a trigram index, so
-- that "rembrant" is read as "rembrandt". Additive and re-runnable.
--
-- Both extensions are optional. unaccent and pg_trgm ship with
-- PostgreSQL's contrib (Debian's postgresql-15, postgres:16-alpine) and
-- are trusted, so a database owner may create them; a role that may
-- not (no CREATE on the database, or contrib not installed) gets a
-- notice and the search without that step: accents then matter, and
-- misspelt words find nothing. Running this file again after the
-- extensions became available adds what was left out.

DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE '0013_catalogue_search: no unaccent (%): accents '
	    'will matter in catalogue search', SQLERRM;
END
$$;

DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE '0013_catalogue_search: no pg_trgm (%): misspelt '
	    'words will not be corrected', SQLERRM;
END
$$;

-- Two text search configurations: catalogue_english stems as english
-- does, catalogue_simple keeps words whole (the vocabulary below); both
-- drop English stop words and, with unaccent, fold accents first. A
-- configuration, unlike unaccent(), may appear in a generated column.
-- With unaccent arriving later, a run of this file maps it in and
-- recomputes the stored vectors.
DO $$
DECLARE
	ns	oid := current_schema()::regnamespace;
	ua	boolean := EXISTS (SELECT 1 FROM pg_ts_dict
		    WHERE dictname = 'unaccent');
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_ts_dict
	    WHERE dictname = 'catalogue_simple_dict'
	    AND dictnamespace = ns) THEN
		CREATE TEXT SEARCH DICTIONARY catalogue_simple_dict
		    (TEMPLATE = simple, STOPWORDS = english);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_ts_config
	    WHERE cfgname = 'catalogue_english' AND cfgnamespace = ns) THEN
		CREATE TEXT SEARCH CONFIGURATION catalogue_english
		    (COPY = english);
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_ts_config
	    WHERE cfgname = 'catalogue_simple' AND cfgnamespace = ns) THEN
		CREATE TEXT SEARCH CONFIGURATION catalogue_simple
		    (COPY = simple);
		ALTER TEXT SEARCH CONFIGURATION catalogue_simple
		    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart,
		    word, hword, hword_part WITH catalogue_simple_dict;
	END IF;
	IF NOT ua OR EXISTS (SELECT 1 FROM pg_ts_config_map m
	    JOIN pg_ts_config c ON c.oid = m.mapcfg
	    JOIN pg_ts_dict d ON d.oid = m.mapdict
	    WHERE c.cfgname = 'catalogue_english' AND c.cfgnamespace = ns
	    AND d.dictname = 'unaccent') THEN
		RETURN;
	END IF;
	ALTER TEXT SEARCH CONFIGURATION catalogue_english
	    ALTER MAPPING FOR word, hword, hword_part
	    WITH unaccent, english_stem;
	ALTER TEXT SEARCH CONFIGURATION catalogue_simple
	    ALTER MAPPING FOR word, hword, hword_part
	    WITH unaccent, catalogue_simple_dict;
	IF EXISTS (SELECT 1 FROM information_schema.columns
	    WHERE table_schema = current_schema()
	    AND table_name = 'artworks' AND column_name = 'search_folded') THEN
		UPDATE artworks SET title = title;
		UPDATE documents SET title = title;
	END IF;
END
$$;

COMMENT ON TEXT SEARCH CONFIGURATION catalogue_english IS
    'english with accents folded (unaccent, when it could be created): '
    'the catalogue''s search_folded vectors and the search queries.';
COMMENT ON TEXT SEARCH CONFIGURATION catalogue_simple IS
    'Whole words, lower case, accents folded, English stop words '
    'dropped: the vocabulary in catalogue_words.';

-- The same weights as 0012's search columns, through catalogue_english.
ALTER TABLE artworks ADD COLUMN IF NOT EXISTS search_folded tsvector
    GENERATED ALWAYS AS (
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(title, '') || ' ' || coalesce(artist, '')), 'A') ||
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(description, '')), 'B') ||
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(medium, '') || ' ' || coalesce(room, '') || ' ' ||
	    coalesce(year, '')), 'C')) STORED;
COMMENT ON COLUMN artworks.search_folded IS
    'search through catalogue_english: title and artist A, description '
    'B, medium, room and year C.';

ALTER TABLE documents ADD COLUMN IF NOT EXISTS search_folded tsvector
    GENERATED ALWAYS AS (
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(title, '')), 'A') ||
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(body, '')), 'B') ||
	setweight(to_tsvector('catalogue_english'::regconfig,
	    coalesce(kind, '')), 'C')) STORED;
COMMENT ON COLUMN documents.search_folded IS
    'search through catalogue_english: title A, body B, kind C.';

CREATE INDEX IF NOT EXISTS ix_artworks_search_folded ON artworks
    USING gin (search_folded);
COMMENT ON INDEX ix_artworks_search_folded IS
    'Serves search_artwork_images (repo_catalog_artworks): WHERE '
    'search_folded @@ the question''s words, OR-ed.';

CREATE INDEX IF NOT EXISTS ix_documents_search_folded ON documents
    USING gin (search_folded);
COMMENT ON INDEX ix_documents_search_folded IS
    'Serves search_documents (repo_catalog_documents): WHERE '
    'search_folded @@ the question''s words, OR-ed.';

COMMENT ON INDEX ix_artworks_search IS
    'Kept from 0012 (revisions are additive); the search uses '
    'ix_artworks_search_folded since 0013.';
COMMENT ON INDEX ix_documents_search IS
    'Kept from 0012 (revisions are additive); the search uses '
    'ix_documents_search_folded since 0013.';

CREATE TABLE IF NOT EXISTS catalogue_words (
	word		text NOT NULL,
	CONSTRAINT catalogue_words_pkey PRIMARY KEY (word)
);
COMMENT ON TABLE catalogue_words IS
    'Every word of the catalogue (catalogue_simple, three letters or '
    'more, not only digits), rebuilt by dataland catalog load: what a '
    'misspelt word of a question is corrected to.';

-- catalogue_respell(q, floor): the words of q the catalogue does not
-- contain, each replaced by its nearest catalogue word when their
-- trigram similarity is at least floor, space-separated; '' when there
-- is none. Without pg_trgm it is always ''. The % filter (similarity
-- >= pg_trgm.similarity_threshold, 0.3 by default) lets the GiST index
-- stop early for a word with no near neighbour.
DO $$
BEGIN
	IF to_regprocedure('similarity(text,text)') IS NULL THEN
		CREATE OR REPLACE FUNCTION catalogue_respell(q text,
		    floor real) RETURNS text
		    LANGUAGE sql IMMUTABLE PARALLEL SAFE
		    RETURN ''::text;
	ELSE
		CREATE INDEX IF NOT EXISTS ix_catalogue_words_trgm
		    ON catalogue_words USING gist (word gist_trgm_ops);
		COMMENT ON INDEX ix_catalogue_words_trgm IS
		    'Serves catalogue_respell(): the catalogue word nearest '
		    'a misspelt one, ORDER BY word <-> $1 LIMIT 1.';
		CREATE OR REPLACE FUNCTION catalogue_respell(q text,
		    floor real) RETURNS text
		    LANGUAGE sql STABLE PARALLEL SAFE
		BEGIN ATOMIC
			SELECT coalesce(string_agg(f.word, ' '), '')
			FROM (SELECT w
			    FROM unnest(tsvector_to_array(to_tsvector(
			    'catalogue_simple'::regconfig, q))) AS w
			    WHERE length(w) >= 3 AND w !~ '^[0-9]+$'
			    AND NOT EXISTS (SELECT 1 FROM catalogue_words c
			    WHERE c.word = w)
			    LIMIT 8) AS u
			CROSS JOIN LATERAL (SELECT c.word,
			    similarity(c.word, u.w) AS s
			    FROM catalogue_words c WHERE c.word % u.w
			    ORDER BY c.word <-> u.w LIMIT 1) AS f
			WHERE f.s >= floor;
		END;
	END IF;
END
$$;
COMMENT ON FUNCTION catalogue_respell(text, real) IS
    'Corrections for the words of a question the catalogue lacks '
    '(pg_trgm; '''' without it): the trigram step of the catalogue '
    'search.';
