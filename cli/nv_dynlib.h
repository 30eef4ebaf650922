/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Libraries that only one command each needs, loaded with dlopen() when that command runs:
 * libmicrohttpd (metrics listen), libpcap (trace ... pcap) and libcurl (agent: etcd's JSON
 * gateway, cli/nv_etcd_client.h). Linked into nvctl they cost every
 * command about 2.5 ms of start-up (libmicrohttpd pulls in gnutls and a dozen more, libpcap dbus
 * and systemd: measured, nvctl -V went from 2.6 to 5.2 ms), which an orchestrator that runs one
 * nvctl per change pays on every record. The headers still give the types and constants.
 */
#ifndef NV_DYNLIB_H
#define NV_DYNLIB_H

#include <stddef.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <pcap/pcap.h>

struct nv_mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_quiesce_daemon) *quiesce_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

struct nv_pcap_api {
	__typeof__(pcap_open_offline) *open_offline;
	__typeof__(pcap_datalink) *datalink;
	__typeof__(pcap_datalink_val_to_name) *datalink_val_to_name;
	__typeof__(pcap_next_ex) *next_ex;
	__typeof__(pcap_geterr) *geterr;
	__typeof__(pcap_close) *close;
};

/*
 * The easy interface, and the multi one that nv_etcd_client runs each transfer with: its poll
 * takes a timeout of our choosing, where curl_easy_perform() wakes only once a second when the
 * peer is quiet (a stop flag checked from the progress callback would wait that long).
 */
struct nv_curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_perform) *multi_perform;
	__typeof__(curl_multi_poll) *multi_poll;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_strerror) *multi_strerror;
};

/*
 * The library's functions (loaded once, kept for the process), or NULL with what failed in err
 * (the library's file name and the loader's message: the Debian package is then missing).
 */
const struct nv_mhd_api *nv_mhd_load(char *err, size_t errlen);
const struct nv_pcap_api *nv_pcap_load(char *err, size_t errlen);
/* libcurl's; curl_global_init() is left to the caller (nv_etcd_client_new() does it once). */
const struct nv_curl_api *nv_curl_load(char *err, size_t errlen);

#endif /* NV_DYNLIB_H */
