package i18n

var nl = map[string]any{}
