-- Keeps a function in ctx.state: every event succeeds, every snapshot of its groups fails.
rule {
  id = "hostile.state_function", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) ctx.state.callback = function() return ctx.now end end,
}
