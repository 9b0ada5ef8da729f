-- Fails on every other event and succeeds in between: no run of consecutive faults.
local calls = 0
rule {
  id = "hostile.alternating", from = { class_uid = 3002 },
  on_event = function(e, ctx)
    calls = calls + 1
    if calls % 2 == 0 then error("fails on every other event") end
  end,
}
