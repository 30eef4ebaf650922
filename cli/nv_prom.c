// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "nv_prom.h"

/* The format escapes \ and newline in HELP text, and also " in label values. */
static void put_escaped(FILE *f, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void nv_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, 0);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void nv_prom_sample(FILE *f, const char *name, const struct nv_prom_label *labels, size_t nlabels,
		    unsigned long long value)
{
	fputs(name, f);
	for (size_t i = 0; i < nlabels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "{", labels[i].name);
		put_escaped(f, labels[i].value, 1);
		fputc('"', f);
	}
	fprintf(f, "%s %llu\n", nlabels ? "}" : "", value);
}
