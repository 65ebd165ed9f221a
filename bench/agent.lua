-- wrk script of bench/40-agent.sh: each request is one of the seeded
-- users' (bench/agent-seed.sql), with that user's token and one of that
-- user's conversations or messages, so every request runs the agent's
-- whole path: token, user upsert, ownership, the endpoint's SQL.
--
--   wrk ... -s bench/agent.lua URL -- MODE TOKENS.lua CONVS MSGS
--
-- MODE: conv (GET /v1/conversations/{id}, a general conversation: the
-- chat bench never writes to those), list (GET /v1/conversations),
-- chat (POST /v1/chat/museum on one of the user's tickets, so each
-- turn adds two messages to a conversation the seed made) or feedback
-- (POST /v1/messages/{id}/feedback on one of the user's answers).
-- TOKENS.lua returns { { token, u }, ... }: user u's token.
-- Ids are computed as the seed writes them.

local mode, tokens, convs, msgs

local function id(base, v)
	return base .. string.format("%018d", v)
end

local function pick()
	local t = tokens[math.random(#tokens)]
	return t[1], t[2]
end

function setup(thread)
	thread:set("seed", math.random(1, 1000000))
end

function init(args)
	mode = args[1]
	tokens = dofile(args[2])
	convs = tonumber(args[3])
	msgs = tonumber(args[4])
	math.randomseed(tonumber(seed) or 1)
	if mode ~= "conv" and mode ~= "list" and mode ~= "chat" and
	    mode ~= "feedback" then
		error("agent.lua: unknown mode '" .. tostring(mode) .. "'")
	end
end

-- One request of the mode for user u's token tok.
local function make(tok, u)
	local h = { ["Authorization"] = "Bearer " .. tok }
	local half = math.floor(convs / 2)
	local k, s
	if mode == "conv" then
		k = math.random(half + 1, convs)
		return wrk.format("GET", "/v1/conversations/" ..
		    id("2", u * 100 + k), h)
	elseif mode == "list" then
		return wrk.format("GET", "/v1/conversations", h)
	elseif mode == "chat" then
		k = math.random(1, half)
		h["Content-Type"] = "application/json"
		return wrk.format("POST", "/v1/chat/museum", h,
		    '{"ticket_id":"' .. id("2", u * 100 + k) .. '",' ..
		    '"message":"Which paintings hang in this room and who ' ..
		    'made them?"}')
	end
	k = math.random(1, convs)
	s = 2 * math.random(1, math.floor(msgs / 2))
	h["Content-Type"] = "application/json"
	return wrk.format("POST", "/v1/messages/" ..
	    id("3", (u * 100 + k) * 100 + s) .. "/feedback", h,
	    '{"feedback":"like"}')
end

-- The load generator shares the CPUs with the stack: requests are
-- formatted once, here, POOL of them, and each request() only picks
-- one, as pgbench only binds its variables.
local POOL = 4096
local pool = {}

function request()
	if #pool < POOL then
		pool[#pool + 1] = make(pick())
		return pool[#pool]
	end
	return pool[math.random(POOL)]
end
