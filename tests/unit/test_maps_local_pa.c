/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Local PAs: add, has, iter, del. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

static int count_pa_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	(void)pa;
	cr_assert_eq(v->ifindex, 4);
	(*(int *)arg)++;
	return 0;
}

Test(local_pa, add_has_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr pa = A("192.0.2.1"), pa6 = A("2001:db8::1"), other = A("192.0.2.2");
	union nv_addr zero;
	struct maps_snapshot *before;
	int n = 0;

	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(nv_local_pa_add(&m, &pa, 4, NULL), 0);
	cr_assert_eq(nv_local_pa_add(&m, &pa6, 4, NULL), 0);
	cr_assert(nv_local_pa_has(&m, &pa));
	cr_assert(nv_local_pa_has(&m, &pa6));
	cr_assert_not(nv_local_pa_has(&m, &other));
	cr_assert_eq(nv_local_pa_iter(&m, count_pa_cb, &n), 0);
	cr_assert_eq(n, 2);

	before = snap();
	cr_assert_eq(nv_local_pa_add(&m, &pa, 5, NULL), -EEXIST);
	cr_assert_eq(nv_local_pa_add(&m, &zero, 5, NULL), -EINVAL);
	zero = A("0.0.0.0"); /* stored ::ffff:0.0.0.0: zero all the same */
	cr_assert_eq(nv_local_pa_add(&m, &zero, 5, NULL), -EINVAL, "0.0.0.0");
	cr_assert_eq(nv_local_pa_add(&m, NULL, 5, NULL), -EINVAL);
	cr_assert_eq(nv_local_pa_del(&m, &other, NULL), -ENOENT);
	assert_unchanged(before, "failed local pa calls");

	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), 0);
	cr_assert_not(nv_local_pa_has(&m, &pa));
	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), -ENOENT);
}

Test(local_pa, refuses_broadcast_and_multicast, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before = snap();
	union nv_addr pa;

	for (size_t i = 0; i < not_unicast_n; i++) {
		pa = A(not_unicast[i]);
		cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), -EINVAL, "pa %s", not_unicast[i]);
	}
	assert_unchanged(before, "local PAs that are not unicast");
}

Test(local_pa, get, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr pa = A("192.0.2.1"), pa6 = A("2001:db8::1"), other = A("192.0.2.2");
	struct nv_local_pa out;

	cr_assert_eq(nv_local_pa_add(&m, &pa, 4, NULL), 0);
	cr_assert_eq(nv_local_pa_add(&m, &pa6, 7, NULL), 0);
	memset(&out, 0x5a, sizeof(out));
	cr_assert_eq(nv_local_pa_get(&m, &pa, &out), 0);
	cr_assert_eq(out.ifindex, 4);
	cr_assert_eq(nv_local_pa_get(&m, &pa6, &out), 0);
	cr_assert_eq(out.ifindex, 7);
	memset(&out, 0x5a, sizeof(out));
	cr_assert_eq(nv_local_pa_get(&m, &other, &out), -ENOENT, "not local");
	cr_assert_eq(out.ifindex, 0x5a5a5a5a, "-ENOENT wrote its output");
	cr_assert_eq(nv_local_pa_get(&m, NULL, &out), -EINVAL);
	cr_assert_eq(nv_local_pa_get(&m, &pa, NULL), -EINVAL);
	cr_assert_eq(nv_local_pa_get(NULL, &pa, &out), -EINVAL);
	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), 0);
	cr_assert_eq(nv_local_pa_get(&m, &pa, &out), -ENOENT, "deleted");
}
