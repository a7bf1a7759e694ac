package i18n

var da = map[string]any{}
