-- siemhub.util: small helpers for rule authors (require("siemhub.util")).
local M = {}

-- Drops the leading times that are <= now - span from the sorted array `times`, in place;
-- returns how many remain.
function M.window_count(times, now, span)
  local keep, n = {}, 0
  for i = 1, #times do
    if times[i] > now - span then n = n + 1; keep[n] = times[i] end
  end
  for i = 1, #times do times[i] = keep[i] end
  return n
end

M.spairs = spairs

return M
