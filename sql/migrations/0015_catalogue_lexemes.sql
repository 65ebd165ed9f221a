-- 0015_catalogue_lexemes: each catalogue row's words with what each is
-- worth to the search's score (docs/catalog.md, "Search"): 1 when the
-- word is in a title or artist (weight A of search_folded), 0.5 in a
-- description or body (B), 0.25 elsewhere. Testing every word of a
-- question against every matching row's vector was most of a search's
-- cost when a word such as "room" or "museum" matches many rows; these
-- tables answer it with one index lookup per word. Triggers keep them
-- equal to search_folded, so rows changed by hand are scored at once.
-- New tables, functions and triggers only; additive and re-runnable.

CREATE TABLE IF NOT EXISTS artwork_lexemes (
	lexeme		text NOT NULL,
	artwork_id	text NOT NULL REFERENCES artworks (id)
	    ON DELETE CASCADE ON UPDATE CASCADE,
	worth		numeric NOT NULL,
	CONSTRAINT artwork_lexemes_pkey PRIMARY KEY (lexeme, artwork_id)
);
COMMENT ON TABLE artwork_lexemes IS
    'The lexemes of artworks.search_folded and their worth to a search '
    '(catalogue_lexeme_worth()); kept by trigger, never written by hand.';
CREATE INDEX IF NOT EXISTS ix_artwork_lexemes_artwork_id
    ON artwork_lexemes (artwork_id);
COMMENT ON INDEX ix_artwork_lexemes_artwork_id IS
    'The trigger''s delete and the cascades from artworks.';

CREATE TABLE IF NOT EXISTS document_lexemes (
	lexeme		text NOT NULL,
	document_id	text NOT NULL REFERENCES documents (id)
	    ON DELETE CASCADE ON UPDATE CASCADE,
	worth		numeric NOT NULL,
	CONSTRAINT document_lexemes_pkey PRIMARY KEY (lexeme, document_id)
);
COMMENT ON TABLE document_lexemes IS
    'The lexemes of documents.search_folded and their worth to a search '
    '(catalogue_lexeme_worth()); kept by trigger, never written by hand.';
CREATE INDEX IF NOT EXISTS ix_document_lexemes_document_id
    ON document_lexemes (document_id);
COMMENT ON INDEX ix_document_lexemes_document_id IS
    'The trigger''s delete and the cascades from documents.';

-- A lexeme without positions matches a query of any weight, so it is
-- worth what a title word is (generated vectors always have positions).
CREATE OR REPLACE FUNCTION catalogue_lexeme_worth(weights text[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $f$
	SELECT CASE WHEN cardinality(weights) = 0 OR 'A' = ANY (weights)
	    THEN 1.0 WHEN 'B' = ANY (weights) THEN 0.5 ELSE 0.25 END
$f$;
COMMENT ON FUNCTION catalogue_lexeme_worth(text[]) IS
    'What a lexeme with these weights is worth to a catalogue search.';

CREATE OR REPLACE FUNCTION catalogue_lexemes_sync() RETURNS trigger
    LANGUAGE plpgsql
AS $f$
BEGIN
	IF TG_TABLE_NAME = 'artworks' THEN
		IF TG_OP = 'UPDATE' THEN
			DELETE FROM artwork_lexemes WHERE artwork_id = NEW.id;
		END IF;
		INSERT INTO artwork_lexemes (lexeme, artwork_id, worth)
		SELECT u.lexeme, NEW.id, catalogue_lexeme_worth(u.weights)
		FROM unnest(NEW.search_folded) AS u;
	ELSE
		IF TG_OP = 'UPDATE' THEN
			DELETE FROM document_lexemes WHERE document_id = NEW.id;
		END IF;
		INSERT INTO document_lexemes (lexeme, document_id, worth)
		SELECT u.lexeme, NEW.id, catalogue_lexeme_worth(u.weights)
		FROM unnest(NEW.search_folded) AS u;
	END IF;
	RETURN NULL;
END
$f$;
COMMENT ON FUNCTION catalogue_lexemes_sync() IS
    'Trigger: artwork_lexemes or document_lexemes of the row, from its '
    'search_folded.';

-- Deletes and id changes reach the tables through their foreign keys.
DROP TRIGGER IF EXISTS artworks_lexemes_insert ON artworks;
CREATE TRIGGER artworks_lexemes_insert AFTER INSERT ON artworks
    FOR EACH ROW EXECUTE FUNCTION catalogue_lexemes_sync();
DROP TRIGGER IF EXISTS artworks_lexemes_update ON artworks;
CREATE TRIGGER artworks_lexemes_update AFTER UPDATE ON artworks
    FOR EACH ROW WHEN (OLD.search_folded IS DISTINCT FROM NEW.search_folded)
    EXECUTE FUNCTION catalogue_lexemes_sync();
DROP TRIGGER IF EXISTS documents_lexemes_insert ON documents;
CREATE TRIGGER documents_lexemes_insert AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION catalogue_lexemes_sync();
DROP TRIGGER IF EXISTS documents_lexemes_update ON documents;
CREATE TRIGGER documents_lexemes_update AFTER UPDATE ON documents
    FOR EACH ROW WHEN (OLD.search_folded IS DISTINCT FROM NEW.search_folded)
    EXECUTE FUNCTION catalogue_lexemes_sync();

-- The rows already loaded (all of them again when this runs again).
DELETE FROM artwork_lexemes;
INSERT INTO artwork_lexemes (lexeme, artwork_id, worth)
SELECT u.lexeme, t.id, catalogue_lexeme_worth(u.weights)
FROM artworks t, unnest(t.search_folded) AS u;
DELETE FROM document_lexemes;
INSERT INTO document_lexemes (lexeme, document_id, worth)
SELECT u.lexeme, t.id, catalogue_lexeme_worth(u.weights)
FROM documents t, unnest(t.search_folded) AS u;
ANALYZE artwork_lexemes;
ANALYZE document_lexemes;
