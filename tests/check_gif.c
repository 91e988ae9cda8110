/* check_gif.c: animations written with giflib (gif.h) read back with giflib:
 * frames, sizes, delays, the loop, the colours; and `tsne ... live` through the
 * line a user types, whose GIF in the output folder giflib opens. */
#include <dirent.h>
#include <gif_lib.h>

#include "testshell.h"
#include "testutil.h"
#include "untangle/frontend/run.h"
#include "untangle/render/gif.h"
#include "untangle/session/report.h"

/* The delay (hundredths of a second) of frame i, -1 when it has none. */
static int frame_delay(GifFileType *g, int i)
{
    GraphicsControlBlock gcb;
    return DGifSavedExtensionToGCB(g, i, &gcb) == GIF_OK ? gcb.DelayTime : -1;
}

/* 1 when the file asks to loop (NETSCAPE2.0, count 0). */
static int loops(GifFileType *g)
{
    for (int i = 0; i < g->ImageCount; i++) {
        SavedImage *s = &g->SavedImages[i];
        for (int k = 0; k + 1 < s->ExtensionBlockCount; k++) {
            ExtensionBlock *b = &s->ExtensionBlocks[k];
            if (b->Function == APPLICATION_EXT_FUNC_CODE && b->ByteCount == 11 &&
                memcmp(b->Bytes, "NETSCAPE2.0", 11) == 0 && s->ExtensionBlocks[k + 1].ByteCount == 3 &&
                s->ExtensionBlocks[k + 1].Bytes[0] == 1 && s->ExtensionBlocks[k + 1].Bytes[1] == 0)
                return 1;
        }
    }
    return 0;
}

static uint32_t pixel(GifFileType *g, int i, int x, int y)
{
    SavedImage *s = &g->SavedImages[i];
    ColorMapObject *m = s->ImageDesc.ColorMap ? s->ImageDesc.ColorMap : g->SColorMap;
    GifColorType c = m->Colors[s->RasterBits[y * s->ImageDesc.Width + x]];
    return ((uint32_t)c.Red << 24) | ((uint32_t)c.Green << 16) | ((uint32_t)c.Blue << 8) | 0xff;
}

typedef struct Mem {
    const uint8_t *p;
    size_t len, at;
} Mem;

static int mem_read(GifFileType *g, GifByteType *buf, int n)
{
    Mem *m = g->UserData;
    size_t k = m->len - m->at < (size_t)n ? m->len - m->at : (size_t)n;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    return (int)k;
}

START_TEST(frames_read_back)
{
    /* three 21x13 frames: red, then green with a blue square, then white */
    Err e;
    Canvas *f[3] = {canvas_new(21, 13, 0xd62728ffu, &e), canvas_new(21, 13, 0x2ca02cffu, &e),
                    canvas_new(21, 13, 0xffffffffu, &e)};
    for (int y = 2; y < 6; y++)
        for (int x = 3; x < 9; x++)
            canvas_set(f[1], x, y, 0x1f77b4ffu);
    uint8_t *buf;
    size_t len;
    ck_assert_msg(gif_encode(f, 3, 7, 150, &buf, &len, &e) == 0, "%s", e.msg);
    ck_assert(len > 6 && memcmp(buf, "GIF89a", 6) == 0);
    Mem m = {buf, len, 0};
    int err;
    GifFileType *g = DGifOpen(&m, mem_read, &err);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(DGifSlurp(g), GIF_OK);
    ck_assert_int_eq(g->ImageCount, 3);
    ck_assert_int_eq(g->SWidth, 21);
    ck_assert_int_eq(g->SHeight, 13);
    ck_assert_int_eq(frame_delay(g, 0), 7);
    ck_assert_int_eq(frame_delay(g, 1), 7);
    ck_assert_int_eq(frame_delay(g, 2), 150);
    ck_assert(loops(g));
    ck_assert_uint_eq(pixel(g, 0, 10, 10), 0xd62728ffu);
    ck_assert_uint_eq(pixel(g, 1, 5, 3), 0x1f77b4ffu);
    ck_assert_uint_eq(pixel(g, 1, 15, 10), 0x2ca02cffu);
    ck_assert_uint_eq(pixel(g, 2, 0, 0), 0xffffffffu);
    DGifCloseFile(g, &err);
    free(buf);
    /* frames of different sizes, none at all: refused */
    Canvas *odd[2] = {f[0], canvas_new(5, 5, 0, &e)};
    ck_assert_int_eq(gif_encode(odd, 2, 7, 7, &buf, &len, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "frame 1"));
    ck_assert_int_eq(gif_encode(odd, 0, 7, 7, &buf, &len, &e), -1);
    canvas_free(odd[1]);
    for (int i = 0; i < 3; i++)
        canvas_free(f[i]);
}
END_TEST

START_TEST(tsne_live_writes_an_animation)
{
    Captured c;
    cap_open(&c);
    synthetic(0.45f, 0.5f, &c.sh.test, 160, 32);
    snprintf(c.sh.data_name, sizeof c.sh.data_name, "synthetic");
    ck_assert_int_eq(shell_run_line(&c.sh, "tsne raw iterations 300 live"), CMD_OK);
    fflush(c.sh.out);
    /* off a terminal: a line at each tenth, the phase and the KL in words */
    ck_assert_ptr_nonnull(strstr(c.out, "t-SNE iteration 30/300, early exaggeration, KL"));
    ck_assert_ptr_nonnull(strstr(c.out, "t-SNE iteration 300/300 done, KL "));
    ck_assert_ptr_nonnull(strstr(c.out, "-tsne-live.png (560x500)"));
    const char *at = strstr(c.out, "-tsne-live.gif (260x240, ");
    ck_assert_ptr_nonnull(at);
    int frames = atoi(at + strlen("-tsne-live.gif (260x240, "));
    ck_assert_int_ge(frames, 20);
    /* giflib opens what went to the output folder */
    DIR *d = opendir(c.dir);
    struct dirent *ent;
    char path[1300] = "";
    while ((ent = readdir(d)) != NULL)
        if (strstr(ent->d_name, "-tsne-live.gif"))
            snprintf(path, sizeof path, "%s/%s", c.dir, ent->d_name);
    closedir(d);
    int err;
    GifFileType *g = DGifOpenFileName(path, &err);
    ck_assert_msg(g != NULL, "%s: %s", path, GifErrorString(err));
    ck_assert_int_eq(DGifSlurp(g), GIF_OK);
    ck_assert_int_eq(g->ImageCount, frames);
    ck_assert_int_eq(g->SWidth, 260);
    ck_assert(loops(g));
    ck_assert_int_gt(frame_delay(g, frames - 1), frame_delay(g, 0)); /* the end holds */
    DGifCloseFile(g, &err);
    /* the session's record holds it, for the report */
    size_t gifs = 0;
    for (size_t i = 0; i < c.sh.report->n; i++)
        gifs += c.sh.report->items[i].kind == REPORT_FIGURE && c.sh.report->items[i].mime &&
                strcmp(c.sh.report->items[i].mime, "image/gif") == 0;
    ck_assert_uint_eq(gifs, 1);
    cap_close(&c);
}
END_TEST

static Suite *gif_suite(void)
{
    Suite *s = suite_create("gif");
    TCase *t = tcase_create("gif");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, frames_read_back);
    tcase_add_test(t, tsne_live_writes_an_animation);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(gif_suite()); }
