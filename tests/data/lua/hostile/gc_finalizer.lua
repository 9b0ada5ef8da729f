-- Tries to install a finalizer, which would run outside any budget.
rule {
  id = "hostile.gc_finalizer", from = { class_uid = 3002 },
  on_event = function(e, ctx) setmetatable({}, { __gc = function() while true do end end }) end,
}
