-- A count rule whose where predicate never returns.
rule {
  id = "hostile.where_loop", from = { class_uid = 3002 },
  where = function(e) while true do end end,
  by = { "user.name" }, window = { span = "10m" }, count = { gte = 1 },
}
