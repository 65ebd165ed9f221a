-- 0014_catalogue_respell_plpgsql: catalogue_respell() with the same
-- body and results, in PL/pgSQL. A SQL-language function that is not
-- inlined plans its body again on every call, and every catalogue
-- search calls it once: about 0.3 ms of planning per search, the
-- larger part of a search's cost (docs/performance.md, "The builtin
-- guide"). PL/pgSQL keeps the plan for the session. Only the pg_trgm
-- version (0013) changes; without pg_trgm it stays the empty answer.
-- Additive and re-runnable; nothing of the Python stack calls it.

DO $$
BEGIN
	IF to_regprocedure('similarity(text,text)') IS NOT NULL THEN
		CREATE OR REPLACE FUNCTION catalogue_respell(q text,
		    floor real) RETURNS text
		    LANGUAGE plpgsql STABLE PARALLEL SAFE
		AS $f$
		BEGIN
			RETURN (SELECT coalesce(string_agg(f.word, ' '), '')
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
			WHERE f.s >= floor);
		END
		$f$;
	END IF;
END
$$;
COMMENT ON FUNCTION catalogue_respell(text, real) IS
    'Corrections for the words of a question the catalogue lacks '
    '(pg_trgm; '''' without it): the trigram step of the catalogue '
    'search.';
