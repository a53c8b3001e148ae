package refdata

//go:generate go run ./gen -out .
