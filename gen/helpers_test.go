package gen

import "maps"

func mapKeysOf[V any](m map[string]V) func(func(string) bool) { return maps.Keys(m) }
