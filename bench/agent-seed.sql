-- The agent's data for bench/40-agent.sh, written straight into the bench
-- stack's database (after its migrations) as the agent itself writes it:
-- users as a token with full_name and location leaves them, museum
-- conversations with their tickets (k <= convs / 2) and general ones,
-- seq 1..msgs, created_at and updated_at set, one run per question and
-- answer, every answer with 2 images, 2 sources and 3 suggestions.
--
--   psql -v users=1000 -v convs=20 -v msgs=20 -f bench/agent-seed.sql
--
-- Ids are decimal strings of 19 digits, so that pgbench (\set) and the
-- wrk script compute the same ones (the agent's own are UUIDs):
--   user u                1000000000000000000 + u
--   conversation (u, k)   2000000000000000000 + u * 100 + k  (also the ticket)
--   message (u, k, s)     3000000000000000000 + (u * 100 + k) * 100 + s
--   run (u, k, r)         4000000000000000000 + (u * 100 + k) * 100 + r
-- Each conversation starts at its own time within 30 days and has a
-- message a minute; rows go in in time order, so the messages of one
-- conversation are spread over the table among those of conversations
-- open at the same time, as the service's own writes leave them.
--
-- The bench stack's database belongs to the benchmarks: the agent's
-- tables are emptied first, so every run starts from the same data.

\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET client_min_messages = warning;

BEGIN;

TRUNCATE users, tickets, conversations, runs, messages, message_images,
    message_sources, message_suggestions;

CREATE TEMP TABLE seed_conv ON COMMIT DROP AS
SELECT u, k,
    (1000000000000000000 + u)::text AS uid,
    (2000000000000000000 + u * 100 + k)::text AS cid,
    (u * 100 + k)::bigint AS n,
    k <= :convs / 2 AS museum,
    timestamptz '2026-01-01 08:00:00+00'
	+ ((u * 7919 + k * 104729) % 2592000) * interval '1 second' AS t0
FROM generate_series(1, :users) AS u, generate_series(1, :convs) AS k;

INSERT INTO users (id, email, full_name, location, profile_photo_url,
    joined_date, access_permissions, stripe_customer_id, created_at)
SELECT (1000000000000000000 + u)::text, NULL, 'Bench Visitor', 'Lisbon',
    NULL, NULL, NULL, NULL, timestamptz '2026-01-01 08:00:00+00'
FROM generate_series(1, :users) AS u;

INSERT INTO tickets (id, user_id, first_seen)
SELECT cid, uid, t0 FROM seed_conv WHERE museum ORDER BY t0;

INSERT INTO conversations (id, user_id, title, mode, created_at, updated_at)
SELECT cid, uid, 'Which paintings hang in room ' || k || ' and who made them?',
    CASE WHEN museum THEN 'museum' ELSE 'general' END, t0,
    t0 + :msgs * interval '1 minute'
FROM seed_conv ORDER BY t0;

INSERT INTO runs (id, conversation_id, user_id, started_at, finished_at,
    model, prompt_tokens, completion_tokens, cost_usd, status, error)
SELECT (4000000000000000000 + c.n * 100 + r)::text, c.cid, c.uid,
    c.t0 + (2 * r - 1) * interval '1 minute',
    c.t0 + (2 * r - 1) * interval '1 minute' + interval '2 seconds',
    'echo', 12 + 40 * r, 110, 0, 'success', NULL
FROM seed_conv c, generate_series(1, (:msgs + 1) / 2) AS r
ORDER BY 4;

INSERT INTO messages (id, conversation_id, seq, run_id, role, tool,
    tool_call_id, text, feedback, created_at)
SELECT (3000000000000000000 + c.n * 100 + s)::text, c.cid, s,
    (4000000000000000000 + c.n * 100 + (s + 1) / 2)::text,
    CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END, NULL, NULL,
    CASE WHEN s % 2 = 1 THEN
	'Which paintings hang in room ' || c.k || ' and who made them?'
    ELSE
	'Room ' || c.k || ' holds three Dutch paintings of the 1660s. '
	|| repeat('The largest, a view of a harbour at dawn, was bought by '
	|| 'the museum in 1911 and restored in 1998; the smaller two, '
	|| 'interiors with figures reading letters, came with a bequest. ',
	4)
    END, NULL, c.t0 + s * interval '1 minute'
FROM seed_conv c, generate_series(1, :msgs) AS s
ORDER BY 10;

INSERT INTO message_images (message_id, title, artist, image_path, score,
    type)
SELECT (3000000000000000000 + c.n * 100 + s)::text,
    'View of a harbour at dawn, ' || i, 'Jan van der Heyden',
    '/images/artworks/harbour-dawn-' || i || '.jpg', 0.9 - i / 10.0,
    'artwork'
FROM seed_conv c, generate_series(2, :msgs, 2) AS s,
    generate_series(1, 2) AS i
ORDER BY c.t0 + s * interval '1 minute', i;

INSERT INTO message_sources (message_id, title, uri, confidence, type)
SELECT (3000000000000000000 + c.n * 100 + s)::text,
    'Acquisitions register 1911, entry ' || i,
    'https://museum.example.org/documents/register-1911#' || i,
    0.8 - i / 10.0, 'document'
FROM seed_conv c, generate_series(2, :msgs, 2) AS s,
    generate_series(1, 2) AS i
ORDER BY c.t0 + s * interval '1 minute', i;

INSERT INTO message_suggestions (message_id, text, sequence)
SELECT (3000000000000000000 + c.n * 100 + s)::text,
    (ARRAY['Who restored it in 1998?', 'What else came with the bequest?',
    'Where is room ' || c.k || '?'])[i + 1], i
FROM seed_conv c, generate_series(2, :msgs, 2) AS s,
    generate_series(0, 2) AS i
ORDER BY c.t0 + s * interval '1 minute', i;

COMMIT;

VACUUM (ANALYZE) users, tickets, conversations, runs, messages,
    message_images, message_sources, message_suggestions;
