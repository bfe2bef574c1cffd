-- wrk -s stats.lua: GET stats of QUEUES queues, round robin.
local queues = tonumber(os.getenv("QUEUES") or "16")
local project = os.getenv("PROJECT") or "bench"
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/v1/queues/bench-" .. (counter % queues) .. "/stats", {["X-Project-Id"] = project})
end
function response(status, headers, body)
  if status ~= 200 then io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n") end
end
