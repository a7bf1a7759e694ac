package i18n

var de = map[string]any{}
