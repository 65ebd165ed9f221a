-- wrk script of bench/45-guide.sh: museum chat turns, each by one of
-- the bench visitors, on one of that visitor's tickets for this run,
-- asking one of the questions visitors ask the guide. The same script
-- drives the echo model and the builtin guide, so the two differ only
-- in the model.
--
--   wrk ... -s bench/guide.lua URL -- TOKENS.lua TAG
--
-- TOKENS.lua returns { { token, u }, ... }. TAG names the run: its
-- tickets are new, so every run starts from the same empty history.

local tokens, tag

local questions = {
	"Where is the Night Watch?",
	"Who painted it?",
	"What is in room 4?",
	"When is the museum open?",
	"rembrant self portrait",
	"Tell me about the Girl with a Pearl Earring",
	"Which works by Rembrandt are here?",
	"Is there a café?",
	"How much is a ticket?",
	"Tell me about the Eiffel Tower",
}

function setup(thread)
	thread:set("seed", math.random(1, 1000000))
end

function init(args)
	tokens = dofile(args[1])
	tag = args[2]
	if tag == nil or tag == "" then
		error("guide.lua: no run tag")
	end
	math.randomseed(tonumber(seed) or 1)
end

function request()
	local t = tokens[math.random(#tokens)]
	return wrk.format("POST", "/v1/chat/museum", {
	    ["Authorization"] = "Bearer " .. t[1],
	    ["Content-Type"] = "application/json" },
	    '{"ticket_id":"g45-' .. tag .. '-' .. t[2] .. '-' ..
	    math.random(1, 4) .. '","message":"' ..
	    questions[math.random(#questions)] .. '"}')
end
