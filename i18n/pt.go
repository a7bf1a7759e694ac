package i18n

var pt = map[string]any{}
