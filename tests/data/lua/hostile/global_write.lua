-- Keeps a counter in a global instead of ctx.state.
rule {
  id = "hostile.global_write", from = { class_uid = 3002 },
  on_event = function(e, ctx) counter = (counter or 0) + 1 end,
}
