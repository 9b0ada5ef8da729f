-- Never returns: the instruction budget stops every call.
rule {
  id = "hostile.endless_loop", from = { class_uid = 3002 },
  on_event = function(e, ctx) while true do end end,
}
