-- wrk -s claim-delete.lua: claim 10 messages, then DELETE each through its claim href.
-- Each wrk thread keeps a list of hrefs to delete; a connection that finds none pending claims
-- more. The summary prints claims and deletes separately (a "cycle" is one claim + its deletes).
local queues = tonumber(os.getenv("QUEUES") or "16")
local project = os.getenv("PROJECT") or "bench"
local headers = {["Content-Type"] = "application/json", ["X-Project-Id"] = project}
local pending = {}
local counter = 0
local claims, deletes, empty, other = 0, 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  local href = table.remove(pending)
  if href then
    return wrk.format("DELETE", href, headers)
  end
  counter = counter + 1
  return wrk.format("POST", "/v1/queues/bench-" .. (counter % queues) .. "/claims?limit=10", headers,
    '{"ttl": 60, "grace": 60}')
end

function response(status, hdrs, body)
  if status == 201 then
    claims = claims + 1
    for href in string.gmatch(body, '"href":"([^"]+)"') do
      table.insert(pending, href)
    end
  elseif status == 204 then
    if #body == 0 then deletes = deletes + 1 end
  else
    other = other + 1
    if other == 1 then io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n") end
  end
  wrk.thread:set("claims", claims)
  wrk.thread:set("deletes", deletes)
end

function done(summary, latency, requests)
  local c, d = 0, 0
  for _, t in ipairs(threads) do
    c = c + (t:get("claims") or 0)
    d = d + (t:get("deletes") or 0)
  end
  local secs = summary.duration / 1e6
  io.write(string.format("claims (201): %d (%.0f/s), 204s (deletes and empty claims): %d (%.0f/s)\n", c, c / secs, d, d / secs))
end
