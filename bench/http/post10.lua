-- wrk -s post10.lua: POST batches of 10 messages of 256 bytes each, spread over QUEUES queues.
-- Env: QUEUES (default 16), MESSAGES per POST (default 10), PROJECT (default bench), TOKEN (sent
-- as X-Auth-Token when set).
local queues = tonumber(os.getenv("QUEUES") or "16")
local messages = tonumber(os.getenv("MESSAGES") or "10")
local project = os.getenv("PROJECT") or "bench"
local token = os.getenv("TOKEN")
local counter = 0

-- One message object is exactly 256 bytes: {"ttl": 300, "body": "xxx..."}
local prefix = '{"ttl": 300, "body": "'
local suffix = '"}'
local msg = prefix .. string.rep("x", 256 - #prefix - #suffix) .. suffix
local parts = {}
for i = 1, messages do parts[i] = msg end
local body = "[" .. table.concat(parts, ",") .. "]"

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  counter = counter + 1
  local q = "bench-" .. ((counter + math.random(0, queues - 1)) % queues)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Client-ID"] = "3d0e6a4c-2b1f-4e7f-9a53-0e2cbbd7d5a1",
    ["X-Project-Id"] = project,
  }
  if token then headers["X-Auth-Token"] = token end
  return wrk.format("POST", "/v1/queues/" .. q .. "/messages", headers, body)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 201 and (statuses[status] == 1) then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
