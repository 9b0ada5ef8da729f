-- Hoards ctx.state: every event adds 10,000 links to its group's table chain until the file's
-- memory cap refuses it.
rule {
  id = "hostile.state_hoarder", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx)
    local node = ctx.state.chain or {}
    for _ = 1, 10000 do node = { next = node } end
    ctx.state.chain = node
  end,
}
