-- Prints in a loop until the instruction budget stops it.
rule {
  id = "hostile.print_flood", from = { class_uid = 3002 },
  on_event = function(e, ctx)
    for i = 1, 1e9 do print(("flood "):rep(100), i) end
  end,
}
