-- A count rule whose having fails whenever the threshold is met.
rule {
  id = "hostile.having_error", from = { class_uid = 3002 },
  by = { "user.name" }, window = { span = "10m" }, count = { gte = 1 },
  having = function(agg, by) error("having fails for " .. by["user.name"]) end,
}
