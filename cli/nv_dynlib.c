// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dlopen() of the libraries one command each needs; see nv_dynlib.h for why. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "nv_dynlib.h"

/*
 * The sonames of Debian 12's libmicrohttpd12, libpcap0.8 and libcurl4 (the -dev packages'
 * runtime; libcurl4-openssl-dev's is libcurl4).
 */
#define MHD_SONAME  "libmicrohttpd.so.12"
#define PCAP_SONAME "libpcap.so.0.8"
#define CURL_SONAME "libcurl.so.4"

struct sym {
	const char *name;
	void **slot;
};

/* All symbols or none: a half-resolved table is never handed out. */
static int load(const char *soname, const struct sym *syms, size_t n, char *err, size_t errlen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(err, errlen, "%s: no symbol %s", soname, syms[i].name);
			dlclose(h);
			return -1;
		}
	}
	return 0;
}

#define SYM(api, field, name)               \
	{                                   \
		name, (void **)&(api).field \
	}

const struct nv_mhd_api *nv_mhd_load(char *err, size_t errlen)
{
	static struct nv_mhd_api api;
	static int loaded;
	const struct sym syms[] = {
		SYM(api, start_daemon, "MHD_start_daemon"),
		SYM(api, quiesce_daemon, "MHD_quiesce_daemon"),
		SYM(api, stop_daemon, "MHD_stop_daemon"),
		SYM(api, create_response_from_buffer, "MHD_create_response_from_buffer"),
		SYM(api, add_response_header, "MHD_add_response_header"),
		SYM(api, queue_response, "MHD_queue_response"),
		SYM(api, destroy_response, "MHD_destroy_response"),
	};

	if (!loaded) {
		if (load(MHD_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, errlen))
			return NULL;
		loaded = 1;
	}
	return &api;
}

const struct nv_pcap_api *nv_pcap_load(char *err, size_t errlen)
{
	static struct nv_pcap_api api;
	static int loaded;
	const struct sym syms[] = {
		SYM(api, open_offline, "pcap_open_offline"),
		SYM(api, datalink, "pcap_datalink"),
		SYM(api, datalink_val_to_name, "pcap_datalink_val_to_name"),
		SYM(api, next_ex, "pcap_next_ex"),
		SYM(api, geterr, "pcap_geterr"),
		SYM(api, close, "pcap_close"),
	};

	if (!loaded) {
		if (load(PCAP_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, errlen))
			return NULL;
		loaded = 1;
	}
	return &api;
}

const struct nv_curl_api *nv_curl_load(char *err, size_t errlen)
{
	static struct nv_curl_api api;
	static int loaded;
	const struct sym syms[] = {
		SYM(api, global_init, "curl_global_init"),
		SYM(api, easy_init, "curl_easy_init"),
		SYM(api, easy_setopt, "curl_easy_setopt"),
		SYM(api, easy_perform, "curl_easy_perform"),
		SYM(api, easy_cleanup, "curl_easy_cleanup"),
		SYM(api, easy_getinfo, "curl_easy_getinfo"),
		SYM(api, easy_strerror, "curl_easy_strerror"),
		SYM(api, slist_append, "curl_slist_append"),
		SYM(api, slist_free_all, "curl_slist_free_all"),
		SYM(api, multi_init, "curl_multi_init"),
		SYM(api, multi_cleanup, "curl_multi_cleanup"),
		SYM(api, multi_add_handle, "curl_multi_add_handle"),
		SYM(api, multi_remove_handle, "curl_multi_remove_handle"),
		SYM(api, multi_perform, "curl_multi_perform"),
		SYM(api, multi_poll, "curl_multi_poll"),
		SYM(api, multi_info_read, "curl_multi_info_read"),
		SYM(api, multi_strerror, "curl_multi_strerror"),
	};

	if (!loaded) {
		if (load(CURL_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, errlen))
			return NULL;
		loaded = 1;
	}
	return &api;
}
