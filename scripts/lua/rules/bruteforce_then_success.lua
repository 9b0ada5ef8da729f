-- Brute force followed by a successful logon, as a custom operator: failures are kept per
-- (user, source) in ctx.state, which the engine owns, bounds and checkpoints.
-- OCSF Authentication (class_uid 3002), Logon (activity_id 1); status_id 1 = Success, 2 = Failure.
local FAILURES = 10
local MAX_KEPT = 1000

rule {
  id          = "corr.auth.bruteforce_then_success",
  version     = 1,
  title       = "Brute force followed by successful logon",
  description = "At least 10 failed logons for one user from one source, then a success, within 10 minutes.",
  severity    = "high",
  attack      = { "T1110", "T1078" },
  tags        = { "authentication", "credential-access" },
  author      = "siemhub",
  references  = { "https://attack.mitre.org/techniques/T1110/" },
  from        = { class_uid = 3002, activity_id = 1, status_id = { 1, 2 } },  -- native pre-filter
  by          = { "user.name", "src_endpoint.ip" },
  window      = { span = "10m" },                                             -- ctx.span, in ms
  suppress    = "30m",
  on_event    = function(e, ctx)
    local s = ctx.state
    local recent = {}
    for _, t in ipairs(s.fails or {}) do
      if t > ctx.now - ctx.span then recent[#recent + 1] = t end
    end
    if e.status_id == 2 then
      recent[#recent + 1] = ctx.now
      if #recent > MAX_KEPT then table.remove(recent, 1) end
    elseif #recent >= FAILURES then
      ctx.emit {
        message    = string.format("%d failed logons then a success for %s from %s",
                                   #recent, ctx.by["user.name"], ctx.by["src_endpoint.ip"]),
        count      = #recent + 1,
        first_time = recent[1],
        entities   = { user = ctx.by["user.name"], ip = ctx.by["src_endpoint.ip"] },
      }
      recent = {}  -- consume: a second success right after does not re-fire
    end
    s.fails = recent
  end,
}
