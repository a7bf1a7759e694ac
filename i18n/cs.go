package i18n

var cs = map[string]any{}
