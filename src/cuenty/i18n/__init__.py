"""Message catalogs (gettext .po files) for es-MX and en, read by `cuenty.kit.i18n`."""
