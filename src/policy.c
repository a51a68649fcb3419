/* Allocation policy handles: built-in and custom (a sort-key vtable). */
#include "internal.h"

#include <stdlib.h>

static const char *const builtin_names[] = { "fifo", "priority", "due", "fair" };

static int builtin_kind(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, builtin_names[i]) == 0)
			return i;
	return -1;
}

int bo_policy_builtin(bo_policy **out, const char *name)
{
	bo_policy *p;
	int kind;
	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if (!name)
		return bo__fail(BO_EINVALID, "policy name is NULL");
	kind = builtin_kind(name);
	if (kind < 0)
		return bo__fail(BO_EINVALID, "unknown policy '%.40s' (fifo, priority, due, fair)", name);
	p = bo__calloc(1, sizeof(*p));
	if (!p)
		return bo__fail(BO_ESTORAGE, "out of memory");
	p->refs = 1;
	p->kind = kind;
	strcpy(p->name, builtin_names[kind]);
	*out = p;
	return BO_OK;
}

int bo_policy_custom(bo_policy **out, const char *name, const bo_policy_methods *methods, void *user_data)
{
	bo_policy *p;
	int rc;
	if (!out)
		return bo__fail(BO_EINVALID, "out is NULL");
	*out = NULL;
	if ((rc = bo__check_name(name, "policy name")) < 0)
		return rc;
	if (builtin_kind(name) >= 0)
		return bo__fail(BO_EINVALID, "'%s' is the name of a built-in policy", name);
	if (!methods)
		return bo__fail(BO_EINVALID, "policy methods are NULL");
	if (methods->version < 1 || methods->version > BO_POLICY_METHODS_VERSION)
		return bo__fail(BO_EINVALID, "policy methods version %u is not supported", methods->version);
	if (!methods->sort_key)
		return bo__fail(BO_EINVALID, "policy methods lack the required sort_key callback");
	p = bo__calloc(1, sizeof(*p));
	if (!p)
		return bo__fail(BO_ESTORAGE, "out of memory");
	p->refs = 1;
	p->kind = BO_POL_CUSTOM;
	strcpy(p->name, name);
	p->m = *methods;
	p->user_data = user_data;
	*out = p;
	return BO_OK;
}

const char *bo_policy_name(const bo_policy *policy)
{
	return policy ? policy->name : NULL;
}

bo_policy *bo__policy_ref(bo_policy *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_SEQ_CST);
	return p;
}

void bo_policy_free(bo_policy *policy)
{
	if (!policy)
		return;
	if (__atomic_sub_fetch(&policy->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	if (policy->kind == BO_POL_CUSTOM && policy->m.free)
		policy->m.free(policy->user_data);
	bo_free(policy);
}

/* The built-in policies as static objects, found by name. */
static const bo_policy builtins[4] = {
	{ 1, BO_POL_FIFO, "fifo", { 0, NULL, NULL }, NULL },
	{ 1, BO_POL_PRIORITY, "priority", { 0, NULL, NULL }, NULL },
	{ 1, BO_POL_DUE, "due", { 0, NULL, NULL }, NULL },
	{ 1, BO_POL_FAIR, "fair", { 0, NULL, NULL }, NULL },
};

const bo_policy *bo__policy_find(const bo_inventory *inv, const char *name)
{
	int k = builtin_kind(name);
	if (k >= 0)
		return &builtins[k];
	for (size_t i = 0; i < inv->npolicies; i++)
		if (strcmp(inv->policies[i]->name, name) == 0)
			return inv->policies[i];
	return NULL;
}
