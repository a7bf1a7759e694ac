package notify

import (
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/gatehouse-id/gatehouse/i18n"
)

// textFuncs are the functions of the plain-text templates: t translates a
// catalogue key (the English text) with its arguments, one paragraph a
// line, and quote puts a label of the pages in quotes.
func textFuncs(p *i18n.Printer) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"t":     p.T,
		"quote": func(s string) string { return `"` + s + `"` },
	}
}

// htmlFuncs are the functions of the HTML templates: t translates a
// catalogue key, which is trusted HTML, with its arguments escaped (a
// value of strong stays bold); lang is the language for <html lang>.
func htmlFuncs(p *i18n.Printer) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"t": func(key string, args ...any) htmltemplate.HTML {
			esc := make([]any, len(args))
			for i, a := range args {
				switch a := a.(type) {
				case int:
					esc[i] = a
				case htmltemplate.HTML:
					esc[i] = string(a)
				default:
					esc[i] = htmltemplate.HTMLEscapeString(fmt.Sprint(a))
				}
			}
			return htmltemplate.HTML(p.T(key, esc...))
		},
		"strong": func(v any) htmltemplate.HTML {
			s, ok := v.(htmltemplate.HTML)
			if !ok {
				s = htmltemplate.HTML(htmltemplate.HTMLEscapeString(fmt.Sprint(v)))
			}
			return "<strong>" + s + "</strong>"
		},
		"lang": p.Lang,
	}
}
