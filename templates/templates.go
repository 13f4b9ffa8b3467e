// Package templates embeds the text/template files lzgen renders for its
// non-Go outputs, such as the C header of the manifest's CUDA kernels. The
// generator gives each template a pre-sorted view struct, never a raw map.
package templates

import "embed"

// FS holds every template, by file name.
//
//go:embed *.tmpl
var FS embed.FS
