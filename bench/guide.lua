-- wrk script of bench/45-guide.sh: museum chat turns, each by one of
-- the bench visitors, on one of that visitor's tickets for this run,
-- asking one of the questions visitors ask the guide. The same script
-- drives the echo model and the builtin guide, so the two differ only
-- in the model.
--
--   wrk ... -s bench/guide.lua URL -- TOKENS.lua TAG QUESTIONS.txt
--
-- TOKENS.lua returns { { token, u }, ... }. TAG names the run: its
-- tickets are new, so every run starts from the same empty history.
-- QUESTIONS.txt (bench/guide-questions.txt, which first_delta.py asks
-- too) holds one question a line; the body is built by concatenation,
-- so a question holds no quote or backslash.

local tokens, tag
local questions = {}

function setup(thread)
	thread:set("seed", math.random(1, 1000000))
end

function init(args)
	tokens = dofile(args[1])
	tag = args[2]
	if tag == nil or tag == "" then
		error("guide.lua: no run tag")
	end
	if args[3] == nil then
		error("guide.lua: no questions file")
	end
	for q in io.lines(args[3]) do
		if q:find('["\\]') then
			error("guide.lua: a question holds a quote or backslash")
		end
		if q ~= "" then
			questions[#questions + 1] = q
		end
	end
	if #questions == 0 then
		error("guide.lua: no questions in " .. args[3])
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
