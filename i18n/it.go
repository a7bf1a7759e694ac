package i18n

var it = map[string]any{}
