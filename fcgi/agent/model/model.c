/*
 * The table of model providers, by MODEL_PROVIDER name.
 */
#include <string.h>

#include "model.h"

static const struct model_provider *const providers[] = {
	&model_builtin,
	&model_openai,
	&model_echo,
	NULL
};

const struct model_provider *
model_find(const char *name)
{
	int	i;

	for (i = 0; providers[i] != NULL; i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

const char *
model_names(void)
{
	return "builtin, openai, echo";
}
