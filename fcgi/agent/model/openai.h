/*
 * The openai provider (openai.c): any OpenAI-compatible
 * /v1/chat/completions endpoint, for model.c's table.
 */
#ifndef OPENAI_H
#define OPENAI_H

#include "model.h"

extern const struct model_provider	model_openai;

#endif
