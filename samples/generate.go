package samples

//go:generate go run ./internal/gen
