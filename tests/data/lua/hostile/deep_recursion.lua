-- Recurses without end.
local function down(n) return 1 + down(n + 1) end
rule {
  id = "hostile.deep_recursion", from = { class_uid = 3002 },
  on_event = function(e, ctx) down(1) end,
}
