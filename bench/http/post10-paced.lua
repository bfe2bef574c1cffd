-- wrk -s post10-paced.lua: post10.lua, but each connection waits DELAY_MS (default 10) before each
-- request, so the rate is about connections / (DELAY_MS + latency): wrk's way to run below the
-- maximum (closed loop; a stall still holds back the next request of its connection).
dofile((os.getenv("BENCH_DIR") or ".") .. "/post10.lua")
local pause = tonumber(os.getenv("DELAY_MS") or "10")
function delay()
  return pause
end
